import { runActorProcess } from '@plan-fabric/actors';
import { PLANNER_USAGE, readPlannerSettings, startPlanner } from './index';

runActorProcess('planner', PLANNER_USAGE, readPlannerSettings, startPlanner);
