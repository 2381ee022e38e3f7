/** The data source the TypeORM CLI uses (`npm run migration:*`). */
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from '@ataa/config';
import { dataSourceOptions, ENTITIES_GLOB } from './data-source-options.js';

export default new DataSource(dataSourceOptions(loadConfig().DATABASE_URL, { entities: [ENTITIES_GLOB] }));
