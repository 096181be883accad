import type { CliCommand } from '../cli/cli-command';
import { activateCommand } from './activate.command';
import { auditCommand } from './audit.command';
import { benchCommand } from './bench.command';
import { chaosCommand } from './chaos.command';
import { dashboardCommand } from './dashboard.command';
import { demoCommand } from './demo.command';
import { dnsCommand } from './dns.command';
import { dryRunCommand } from './dry-run.command';
import { fuzzCommand } from './fuzz.command';
import { keysCommand } from './keys.command';
import { scenarioCommand } from './scenario.command';
import { servicesCommand } from './services.command';
import { simCommand } from './sim.command';
import { exploreCommand } from './explore.command';
import { stackCommand } from './stack.command';

/** Every `fabric` subcommand, in the order `fabric --help` lists them. A new one (sim, explore, chaos, fuzz, audit, bench) goes here. */
export const COMMANDS: readonly CliCommand[] = [scenarioCommand, servicesCommand, demoCommand, stackCommand, chaosCommand, fuzzCommand, simCommand, exploreCommand, dashboardCommand, activateCommand, dryRunCommand, keysCommand, dnsCommand, auditCommand, benchCommand];
