/** The seed's example plan, verbatim (examples/rollouts/progressive-deployment.json; a test keeps them equal). */
import type { ScenarioInput } from '../simulator/scenario.js';
export const seedPlan = {
  name: 'Multi-Stage Feature Release',
  version: '2.0.0',
  max_duration_hours: 48,
  parallel_stages: false,
  stages: [
    {
      name: 'deploy_backend',
      strategy: 'blue_green',
      config: {
        app_name: 'api-service',
        image: 'api:2.0.0',
        namespace: 'production',
        smoke_tests: [
          {
            endpoint: '/health',
            expected_status: 200,
          },
          {
            endpoint: '/api/v2/status',
            expected_status: 200,
          },
        ],
      },
      gates: [
        {
          type: 'metric_based',
          metrics: ['error_rate', 'latency_p95'],
          thresholds: {
            error_rate: 1.0,
            latency_p95: 0.5,
          },
          timeout_minutes: 15,
        },
      ],
    },
    {
      name: 'enable_feature_flag',
      strategy: 'feature_flag',
      dependencies: ['deploy_backend'],
      config: {
        flag_key: 'new_checkout_flow',
        name: 'New Checkout Flow',
        description: 'Redesigned checkout experience',
        progressive_rollout: true,
        rollout_stages: [
          {
            percentage: 5,
            duration_minutes: 60,
            thresholds: {
              max_error_rate: 2.0,
              max_latency_p95: 0.6,
            },
          },
          {
            percentage: 25,
            duration_minutes: 120,
            thresholds: {
              max_error_rate: 1.5,
              max_latency_p95: 0.5,
            },
          },
          {
            percentage: 50,
            duration_minutes: 240,
            thresholds: {
              max_error_rate: 1.0,
              max_latency_p95: 0.5,
            },
          },
          {
            percentage: 100,
            duration_minutes: 480,
            thresholds: {
              max_error_rate: 1.0,
              max_latency_p95: 0.5,
            },
          },
        ],
        targeting_enabled: true,
        targeting_rules: [
          {
            attribute: 'user_segment',
            operator: 'in',
            value: ['beta_testers', 'employees'],
            return_value: true,
          },
        ],
      },
      gates: [
        {
          type: 'manual',
          required_approvers: ['product_manager', 'engineering_lead'],
        },
      ],
    },
    {
      name: 'frontend_canary',
      strategy: 'canary',
      dependencies: ['enable_feature_flag'],
      config: {
        app_name: 'web-frontend',
        initial_weight: 5,
        increment: 15,
        max_weight: 100,
        interval_seconds: 600,
        monitor_duration_minutes: 60,
        thresholds: {
          error_rate: 1.0,
          bounce_rate: 30.0,
          conversion_rate_drop: 5.0,
        },
      },
      rollback_on_failure: true,
    },
  ],
};

/** Readings every threshold of the seed plan accepts. */
export const healthyReadings = {
  error_rate: 0.2,
  latency_p95: 0.3,
  bounce_rate: 12,
  conversion_rate_drop: 0.5,
};

/**
 * A scenario in which the seed plan succeeds: healthy readings for every stage, the flag at
 * version 4 before the run, and both approvals `minutes` (30, 45 by default) into the run.
 */
export function healthySeedScenario(approvalsAt: [string, string] = ['30m', '45m']): ScenarioInput {
  return {
    started_by: 'ci-bot',
    metrics: {
      deploy_backend: [{ at: '0s', ...healthyReadings }],
      enable_feature_flag: [{ at: '0s', ...healthyReadings }],
      frontend_canary: [{ at: '0s', ...healthyReadings }],
    },
    approvals: [
      { at: approvalsAt[0], stage: 'enable_feature_flag', subject: 'pat', roles: ['product_manager'] },
      { at: approvalsAt[1], stage: 'enable_feature_flag', subject: 'lee', roles: ['engineering_lead'] },
    ],
    flags: { new_checkout_flow: 4 },
  };
}
