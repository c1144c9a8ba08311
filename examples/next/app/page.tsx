import Link from 'next/link'
import { Impression } from '@trackpoint/react'
import { ClaimButton } from './claimButton'

/** The landing page, a server component: <Impression> renders here, its tracking runs on the client. */
export default function Landing() {
  return (
    <main>
      <h1>Onchain</h1>
      <Impression
        as="section"
        props={{ delivery_id: 'd_next_1', content_type: 'action' }}
        data-testid="recommendation"
        style={{ padding: '1rem', border: '1px solid #ccc', borderRadius: 8 }}
      >
        <h2>Recommended: finish your first swap</h2>
        <ClaimButton />
      </Impression>
      <p>
        <Link href="/rewards">Rewards</Link>
      </p>
    </main>
  )
}
