// Services an app needs (databases, caches), per side of a job: see side-services.ts.
export { SideServices, ServiceSetupError } from './side-services.ts';
export type { SideServicesOptions, ServicesUsage } from './side-services.ts';
export { ServiceStartError } from './service-process.ts';
export { MissingServiceBinaryError } from './binaries.ts';
