import { defineError } from '@sluice/core';

export const ScheduleNotPending = defineError(
  'FLAG_SCHEDULE_NOT_PENDING',
  409,
  'The scheduled change has already run or was cancelled',
);
/** A change that cannot apply to the flag as it is (raised at creation and at execution). */
export const ScheduleNotApplicable = defineError(
  'FLAG_SCHEDULE_NOT_APPLICABLE',
  400,
  'The scheduled change does not apply to the flag',
);
