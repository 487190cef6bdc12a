import { useEffect, useState } from 'react';
import { api, type DemoCustomer } from '../api';
import { LangSwitch, useDocumentTitle, useI18n, type MessageKey } from '../i18n';
import { ChatWidget } from './ChatWidget';
import { catalog, type Product } from './seed-data';

const SHOPPER_KEY = 'loopdesk.shopper';

/** Who is "logged in" to the demo shop, as the shop's backend would know it; anonymous until one is picked. */
function useDemoShopper() {
  const [customers, setCustomers] = useState<DemoCustomer[]>();
  const [shopperId, setShopperId] = useState(() => sessionStorage.getItem(SHOPPER_KEY) ?? '');
  useEffect(() => {
    // The list exists only on a system with the demo data; without it everyone chats anonymously.
    api<{ customers: DemoCustomer[] }>('/api/demo/shop-customers')
      .then((result) => setCustomers(result.customers))
      .catch(() => setCustomers([]));
  }, []);
  const choose = (customerId: string) => {
    sessionStorage.setItem(SHOPPER_KEY, customerId);
    setShopperId(customerId);
  };
  return { customers, shopper: customers?.find((c) => c.customerId === shopperId), choose };
}

/** A small demo shop: the seeded catalog, and the chat widget in the corner. */
export function ShopPage() {
  const { t, lang } = useI18n();
  useDocumentTitle(t('shop.title'));
  const { customers, shopper, choose } = useDemoShopper();
  const money = new Intl.NumberFormat(lang === 'zh' ? 'zh-CN' : 'en-GB', { style: 'currency', currency: 'CNY', maximumFractionDigits: 0 });
  return (
    <div className="shop">
      <header className="shop-header">
        <div className="brand">
          <span className="logo" aria-hidden="true">
            ◎
          </span>
          <div>
            <h1>{t('shop.title')}</h1>
            <p className="tagline">{t('shop.tagline')}</p>
          </div>
        </div>
        <div className="topbar-tools">
          {customers && customers.length > 0 && (
            <label className="shopper">
              {t('shop.shopper')}{' '}
              <select value={shopper?.customerId ?? ''} onChange={(e) => choose(e.target.value)}>
                <option value="">{t('shop.anonymous')}</option>
                {customers.map((c) => (
                  <option key={c.customerId} value={c.customerId}>
                    {c.name} ({c.customerId})
                  </option>
                ))}
              </select>
            </label>
          )}
          <LangSwitch />
        </div>
      </header>
      <main className="shop-main">
        <section className="hero" aria-labelledby="hero-title">
          <h2 id="hero-title">{t('shop.heroTitle')}</h2>
          <p>{t('shop.heroBody')}</p>
          <ul className="promises">
            <li>{t('shop.promise1')}</li>
            <li>{t('shop.promise2')}</li>
            <li>{t('shop.promise3')}</li>
          </ul>
        </section>
        <section aria-labelledby="catalog-title">
          <h2 id="catalog-title">{t('shop.catalog')}</h2>
          <ul className="products">
            {catalog.map((product) => (
              <ProductCard key={product.sku} product={product} price={money.format(product.price)} />
            ))}
          </ul>
        </section>
      </main>
      <footer className="shop-footer">
        <span>{t('shop.staff')}:</span> <a href="/workbench">{t('nav.workbench')}</a> · <a href="/supervisor">{t('nav.supervisor')}</a>
      </footer>
      {/* Waits for the shop to know who is logged in, so a restored chat is not mistaken for someone else's. */}
      {customers && <ChatWidget identity={shopper} />}
    </div>
  );
}

const CATEGORY_LABELS: Record<string, MessageKey> = {
  phone: 'shop.category.phone',
  accessory: 'shop.category.accessory',
  audio: 'shop.category.audio',
  kids: 'shop.category.kids',
  home: 'shop.category.home',
  finance: 'shop.category.finance',
};

function ProductCard({ product, price }: { product: Product; price: string }) {
  const { t, lang } = useI18n();
  const category = CATEGORY_LABELS[product.category];
  const stock = product.stock === null ? undefined : product.stock > 0 ? t('shop.inStock', { count: product.stock }) : t('shop.soldOut');
  return (
    <li className={`product product-${product.category}`}>
      <span className="product-category">{category ? t(category) : product.category}</span>
      <h3>{product.name[lang]}</h3>
      <p className="product-brand">{product.brand}</p>
      <p className="product-price">
        {price}
        {product.category === 'finance' && <span className="muted"> {t('shop.minimum')}</span>}
      </p>
      {stock && <p className={product.stock ? 'muted' : 'sold-out'}>{stock}</p>}
      <code className="muted">{product.sku}</code>
    </li>
  );
}
