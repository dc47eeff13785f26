import type { AppConfig } from '../config/app-config';

export type MetricsAccess = AppConfig['metrics'];
export const METRICS_ACCESS = Symbol('METRICS_ACCESS');
