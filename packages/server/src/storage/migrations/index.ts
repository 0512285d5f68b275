/**
 * Versioned migrations, in order. Add a file `NNN-what.ts` exporting `up(db, dialect)` and list
 * it here; never edit one that has shipped.
 */
import type { Kysely } from 'kysely';
import type { Dialect } from '../db.js';
import * as m001 from './001-foundation.js';
import * as m002 from './002-flags.js';
import * as m003 from './003-flag-schedules.js';
import * as m004 from './004-flag-evaluations.js';
import * as m006 from './006-events.js';
import * as m007 from './007-rollouts.js';
import * as m008 from './008-experiments.js';
import * as m010 from './010-rollout-flag-writes.js';
import * as m011 from './011-event-retention.js';
import * as m012 from './012-install-identity.js';
import * as m013 from './013-run-authority.js';
import * as m016 from './016-notifications.js';
import * as m017 from './017-gitops.js';
import * as m018 from './018-releases.js';
import * as m019 from './019-experiment-covariates.js';

export interface MigrationStep {
  name: string;
  up(db: Kysely<unknown>, dialect: Dialect): Promise<void>;
}

export const migrations: MigrationStep[] = [
  { name: '001-foundation', up: m001.up },
  { name: '002-flags', up: m002.up },
  { name: '003-flag-schedules', up: m003.up },
  { name: '004-flag-evaluations', up: m004.up },
  { name: '006-events', up: m006.up },
  { name: '007-rollouts', up: m007.up },
  { name: '008-experiments', up: m008.up },
  { name: '010-rollout-flag-writes', up: m010.up },
  { name: '011-event-retention', up: m011.up },
  { name: '012-install-identity', up: m012.up },
  { name: '013-run-authority', up: m013.up },
  { name: '016-notifications', up: m016.up },
  { name: '017-gitops', up: m017.up },
  { name: '018-releases', up: m018.up },
  { name: '019-experiment-covariates', up: m019.up },
];
