import { Module, type DynamicModule } from '@nestjs/common';
import type { FabricConfig, Logger } from '@plan-fabric/config';
import { DNS_SETTINGS, FABRIC_CONFIG, LOGGER } from './dns.constants';
import { DnsFaceService } from './dns.service';
import { DEFAULT_DNS_SETTINGS, DEFAULT_ZONES, type DnsSettings } from './dns.settings';

@Module({})
export class DnsModule {
  static register(config: FabricConfig, logger: Logger, settings: Partial<DnsSettings> = {}): DynamicModule {
    const backend = settings.backend ?? DEFAULT_DNS_SETTINGS.backend;
    return {
      module: DnsModule,
      providers: [
        { provide: FABRIC_CONFIG, useValue: config },
        { provide: LOGGER, useValue: logger },
        { provide: DNS_SETTINGS, useValue: { ...DEFAULT_DNS_SETTINGS, zone: DEFAULT_ZONES[backend], ...settings } },
        DnsFaceService,
      ],
    };
  }
}
