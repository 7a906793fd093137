// The styles of the Vant components the portal uses, without Vant's icon
// font: that font is a data: URL, which the server's CSP refuses (it would
// only log an error on every page), and the portal draws its icons as SVG.
import 'vant/es/style/base.css';
import 'vant/es/badge/index.css';
import 'vant/es/loading/index.css';
import 'vant/es/button/index.css';
import 'vant/es/cell/index.css';
import 'vant/es/cell-group/index.css';
import 'vant/es/field/index.css';
import 'vant/es/overlay/index.css';
import 'vant/es/popup/index.css';
import 'vant/es/picker/index.css';
import 'vant/es/action-bar/index.css';
import 'vant/es/action-bar-button/index.css';
import 'vant/es/dialog/index.css';
import 'vant/es/empty/index.css';
import 'vant/es/nav-bar/index.css';
import 'vant/es/tabbar/index.css';
import 'vant/es/tabbar-item/index.css';
import 'vant/es/tag/index.css';
