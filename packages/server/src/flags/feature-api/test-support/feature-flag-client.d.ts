/** Types for the seed's untyped browser client (feature-flag-client.js). */
export declare class FeatureFlagClient {
  constructor(apiUrl: string | undefined, userId: string, environment: string);
  apiUrl: string;
  userId: string;
  environment: string;
  cache: Map<string, { enabled: boolean; timestamp: number }>;
  cacheTTL: number;
  isEnabled(flagName: string): Promise<boolean>;
  getConfig(flagName: string): Promise<unknown>;
}
