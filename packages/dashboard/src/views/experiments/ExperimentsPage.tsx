/**
 * Experiments: the seam for the experiments API (`GET /api/v1/experiments`,
 * `GET /api/v1/experiments/{key}/results`), which this server does not have yet. When it lands,
 * `npm run api-types` brings its types in and this view lists experiments and draws results
 * per metric and arm with intervals, the SRM warning, the verdict and the sample size.
 */
export function ExperimentsPage() {
  return (
    <section aria-labelledby="experiments-title">
      <h2 id="experiments-title">Experiments</h2>
      <p className="muted">This server has no experiments API yet, so there is nothing to show here.</p>
    </section>
  );
}
