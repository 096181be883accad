import { runActorProcess } from '@plan-fabric/actors';
import { ENACTOR_USAGE, readEnactorSettings, startEnactor } from './index';

runActorProcess('enactor', ENACTOR_USAGE, readEnactorSettings, startEnactor);
