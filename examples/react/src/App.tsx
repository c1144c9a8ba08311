import { Impression, usePageView } from '@trackpoint/react'
import { ActionCard } from './components/ActionCard'
import { Feed } from './components/Feed'
import { Navbar } from './components/Navbar'
import { PrivacyToggle } from './components/PrivacyToggle'
import { RecommendationCard } from './components/RecommendationCard'
import { actions, banner, deliveries } from '../../shared/onchainData'

export function App() {
  usePageView('onchain_landing', { referrer: document.referrer })
  return (
    <>
      <Navbar />
      <main>
        <h1>Onchain</h1>
        <section aria-label="Actions">
          {actions.map((action) => (
            <ActionCard key={action.actionId} {...action} />
          ))}
        </section>
        {/* Below the fold: an impression waits until the user scrolls here. */}
        <section aria-label="Recommended for you" className="below-fold">
          <h2>Recommended for you</h2>
          {deliveries.map((delivery) => (
            <RecommendationCard key={delivery.deliveryId} {...delivery} />
          ))}
        </section>
        <Impression
          as="aside"
          className="card banner below-fold"
          data-testid="banner"
          props={{ delivery_id: banner.deliveryId, content_type: banner.contentType }}
        >
          Sponsored: Onchain Summer — bridge, swap and mint for double points this week.
        </Impression>
        <Feed />
      </main>
      <PrivacyToggle />
    </>
  )
}
