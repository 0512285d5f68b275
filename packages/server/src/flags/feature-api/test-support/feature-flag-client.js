// biome-ignore-all format: the seed's client (phase4-advanced-deployment.md §3.2), kept byte for byte
// biome-ignore-all lint: the seed's client, kept as written
/*
 * Copied unchanged from the seed, except its last line: `export default FeatureFlagClient;`
 * became the named export below (Sluice uses named exports only).
 */
// services/frontend/src/utils/featureFlags.js
class FeatureFlagClient {
  constructor(apiUrl, userId, environment) {
    this.apiUrl = apiUrl || 'http://localhost:3000';
    this.userId = userId;
    this.environment = environment;
    this.cache = new Map();
    this.cacheTTL = 5 * 60 * 1000; // 5 minutes
  }
  
  async isEnabled(flagName) {
    const cacheKey = `${flagName}:${this.userId}:${this.environment}`;
    const cached = this.cache.get(cacheKey);
    
    if (cached && (Date.now() - cached.timestamp) < this.cacheTTL) {
      return cached.enabled;
    }
    
    try {
      const response = await fetch(
        `${this.apiUrl}/api/features/${flagName}?userId=${this.userId}&environment=${this.environment}`
      );
      
      if (response.ok) {
        const data = await response.json();
        this.cache.set(cacheKey, {
          enabled: data.enabled,
          timestamp: Date.now()
        });
        return data.enabled;
      }
    } catch (error) {
      console.warn('Feature flag service unavailable:', error);
    }
    
    return false; // Fail closed
  }
  
  async getConfig(flagName) {
    const response = await fetch(
      `${this.apiUrl}/api/features/${flagName}?userId=${this.userId}&environment=${this.environment}`
    );
    
    if (response.ok) {
      return response.json();
    }
    
    throw new Error('Feature flag not found');
  }
}

export { FeatureFlagClient };
