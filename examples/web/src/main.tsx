/**
 * A React page on the Sluice web provider: the official OpenFeature React SDK's hooks re-render
 * when the provider reports CONFIGURATION_CHANGED, so a flag flipped in Sluice shows here without
 * a reload. Configuration (server URL, an sdk:<env> token) comes from /config.js.
 */
import {
  OpenFeature,
  OpenFeatureProvider,
  useBooleanFlagValue,
  useStringFlagValue,
} from '@openfeature/react-sdk';
import { SluiceWebProvider } from '@sluice/sdk/web';
import { createRoot } from 'react-dom/client';

declare global {
  interface Window {
    SLUICE: { url: string; token: string };
  }
}

const user = new URLSearchParams(location.search).get('user') ?? 'visitor';
OpenFeature.setProvider(new SluiceWebProvider(window.SLUICE), { targetingKey: user });

function Checkout() {
  const enabled = useBooleanFlagValue('new-checkout', false, { suspend: false });
  const colour = useStringFlagValue('banner-colour', 'grey', { suspend: false });
  return (
    <main>
      <h1 data-testid="checkout">{enabled ? 'New checkout' : 'Classic checkout'}</h1>
      <p data-testid="banner" style={{ color: colour }}>
        Banner colour for {user}: {colour}
      </p>
    </main>
  );
}

const root = document.getElementById('root');
if (root)
  createRoot(root).render(
    <OpenFeatureProvider>
      <Checkout />
    </OpenFeatureProvider>,
  );
