import { useState } from 'react'
import { useTrack } from '@trackpoint/react'

interface ActionCardProps {
  actionId: string
  cardId: string
  title: string
  reward: string
}

/** An Action (task): start → complete → claim the reward, each step tracked. */
export function ActionCard({ actionId, cardId, title, reward }: ActionCardProps) {
  const { track } = useTrack()
  const [step, setStep] = useState<'new' | 'started' | 'completed' | 'claimed'>('new')
  return (
    <article
      className="card"
      data-testid={cardId}
      // A click on the card itself; its buttons track their own, more specific events.
      onClick={(event) => {
        if (!(event.target as Element).closest('button')) track('card_click', { card_id: cardId })
      }}
    >
      <h2>{title}</h2>
      <p>Complete it to earn {reward}.</p>
      <div className="actions">
        <button
          type="button"
          disabled={step !== 'new'}
          onClick={() => {
            track('action_start', { action_id: actionId })
            setStep('started')
          }}
        >
          Start
        </button>
        <button
          type="button"
          disabled={step !== 'started'}
          onClick={() => {
            track('action_complete', { action_id: actionId })
            setStep('completed')
          }}
        >
          Complete
        </button>
        <button
          type="button"
          disabled={step !== 'completed'}
          onClick={() => {
            track('reward_claim', { reward_type: 'points', action_id: actionId })
            setStep('claimed')
          }}
        >
          Claim reward
        </button>
      </div>
    </article>
  )
}
