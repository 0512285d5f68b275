export { dashboardSlice } from './slice.js';
export { dashboardBuilt, defaultDashboardDir, mountDashboard } from './static.js';
