import '@livekit/components-styles';
import './styles.css';
import { isGoliveError } from '@golive/sdk';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router';
import { App } from './app.tsx';
import { AuthProvider } from './golive/auth.tsx';

// HTTP reads go through TanStack Query: cached per screen, refetched when the tab comes back, and
// retried only when golive could not be reached (a 4xx answer is final).
const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      retry: (failures, error) => failures < 2 && (!isGoliveError(error) || error.status === 0 || error.status >= 500),
      staleTime: 5_000,
    },
  },
});

const root = document.getElementById('root');
if (!root) throw new Error('index.html needs <div id="root">');
createRoot(root).render(
  <QueryClientProvider client={queryClient}>
    <BrowserRouter>
      <AuthProvider>
        <App />
      </AuthProvider>
    </BrowserRouter>
  </QueryClientProvider>,
);
