/** What the landing page shows; in the real app this comes from the Onchain API. */
export const actions = [
  {
    actionId: 'act_bridge_001',
    cardId: 'card_bridge_001',
    title: 'Bridge 0.01 ETH to Base',
    reward: '50 points',
  },
  {
    actionId: 'act_mint_002',
    cardId: 'card_mint_002',
    title: 'Mint the Onchain Summer NFT',
    reward: 'an NFT badge',
  },
]

/** Deliveries (投放) of the recommendation system placed in the recommendation slot. */
export const deliveries = [
  {
    deliveryId: 'dlv_demo_001',
    contentType: 'action',
    actionId: 'act_swap_003',
    title: 'Swap on a DEX for the first time',
    details: 'Any swap of at least $5 counts. The badge appears in your profile within a minute.',
  },
  {
    deliveryId: 'dlv_demo_002',
    contentType: 'action',
    actionId: 'act_stake_004',
    title: 'Stake 10 USDC for a week',
    details: 'Staking starts the moment the transaction is confirmed; unstake at any time.',
  },
]

/** A sponsored banner at the bottom of the page, placed by its own delivery. */
export const banner = { deliveryId: 'dlv_demo_banner', contentType: 'banner' }

/**
 * The "More for you" feed the recommendation system fills: 60 deliveries shown at once as
 * small tiles, each counted as its own impression (a feed of N cards must give N impressions).
 */
export const feed = Array.from({ length: 60 }, (_, i) => ({
  deliveryId: `dlv_feed_${String(i).padStart(2, '0')}`,
  contentType: 'action',
  title: `Pick ${i + 1}`,
}))
