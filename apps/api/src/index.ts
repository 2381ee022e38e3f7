export { createApiApp, API_PREFIX, type ApiAppOptions } from './create-api-app.js';
export { ApiModule } from './api.module.js';
