// ECharts, only the pieces the dashboard draws (tree-shaken): line, bar and
// pie charts on canvas, with grid, tooltip, legend and the aria description.
import * as echarts from 'echarts/core';
import { BarChart, LineChart, PieChart } from 'echarts/charts';
import { AriaComponent, GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([BarChart, LineChart, PieChart, AriaComponent, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

export default echarts;

/** The dark screen's palette and text colours, shared by every chart. */
export const THEME = {
	text: '#c9d6e8',
	muted: '#8ea3bd',
	axis: '#3a4f6b',
	split: '#1f3350',
	colours: ['#4cc9f0', '#f4a261', '#80ed99', '#f28482', '#b392f0', '#ffd166', '#72efdd', '#e76f51'],
};
