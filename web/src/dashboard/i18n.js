// The dashboard's translator over its own message tables.
import { createI18n } from '@shared/i18n.js';
import messages from './messages.js';

export const { t, isZh } = createI18n(messages);
