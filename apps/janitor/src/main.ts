import { runActorProcess } from '@plan-fabric/actors';
import { JANITOR_USAGE, readJanitorSettings, startJanitor } from './index';

runActorProcess('janitor', JANITOR_USAGE, readJanitorSettings, startJanitor);
