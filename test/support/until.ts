/** The bounded wait the demo uses too. */
export { until } from '../../apps/api/src/bootstrap/until';
