import { runActorProcess } from '@plan-fabric/actors';
import { NAIVE_USAGE, readNaiveSettings, startNaiveActor } from './index';

runActorProcess('naive', NAIVE_USAGE, readNaiveSettings, (config, settings, logger) => startNaiveActor(config, settings, logger));
