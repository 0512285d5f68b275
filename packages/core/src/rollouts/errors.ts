import { defineError } from '../errors/index.js';

/** A rollout plan that does not validate; `fields` lists every bad JSON path. */
export const RolloutPlanInvalid = defineError('ROLLOUT_PLAN_INVALID', 400, 'The rollout plan is not valid');
/** An event handed to the state machine that does not validate. */
export const RolloutEventInvalid = defineError(
  'ROLLOUT_EVENT_INVALID',
  400,
  'The rollout event is not valid',
);
/** A simulator scenario that does not validate. */
export const RolloutScenarioInvalid = defineError(
  'ROLLOUT_SCENARIO_INVALID',
  400,
  'The rollout scenario is not valid',
);
