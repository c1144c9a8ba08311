import Link from 'next/link'

/** A second route: navigating here client-side tracks another page_view (./pageViews.tsx). */
export default function Rewards() {
  return (
    <main>
      <h1>Rewards</h1>
      <p>
        <Link href="/">Back to Onchain</Link>
      </p>
    </main>
  )
}
