import { DynamicModule, Global, Module } from '@nestjs/common';
import { AppConfig, loadConfig } from './app-config.js';

/** Provides the validated AppConfig everywhere. Boot fails fast when it is invalid. */
@Global()
@Module({})
export class ConfigModule {
  /** Uses the given configuration (tests, scripts) or reads the environment once. */
  static forRoot(config?: AppConfig): DynamicModule {
    return {
      module: ConfigModule,
      global: true,
      providers: [{ provide: AppConfig, useFactory: () => config ?? loadConfig() }],
      exports: [AppConfig],
    };
  }
}
