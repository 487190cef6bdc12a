import { StrictMode, type ComponentType } from 'react';
import { createRoot } from 'react-dom/client';
import { LangProvider } from './i18n';
import { MarketingPage } from './marketing/MarketingPage';
import { ShopPage } from './shop/ShopPage';
import { SupervisorPage } from './supervisor/SupervisorPage';
import { WorkbenchPage } from './workbench/WorkbenchPage';
import './styles.css';

/**
 * The pages by path. The API serves this one bundle at each of these paths (api/web.ts lists them
 * too): a new page is one line here and one there.
 */
const PAGES: Record<string, ComponentType> = {
  '/shop': ShopPage,
  '/workbench': WorkbenchPage,
  '/supervisor': SupervisorPage,
  '/marketing': MarketingPage,
};

function Page() {
  const path = window.location.pathname.replace(/\/+$/, '');
  const Component = PAGES[path] ?? ShopPage;
  return <Component />;
}

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <LangProvider>
      <Page />
    </LangProvider>
  </StrictMode>,
);
