import type { CliCommand } from '../cli/cli-command';
import { demoCommand } from './demo.command';
import { scenarioCommand } from './scenario.command';
import { servicesCommand } from './services.command';
import { stackCommand } from './stack.command';

/** Every `fabric` subcommand, in the order `fabric --help` lists them. A new one (sim, explore, chaos, fuzz, audit, bench) goes here. */
export const COMMANDS: readonly CliCommand[] = [scenarioCommand, servicesCommand, demoCommand, stackCommand];
