import { useState } from 'react'
import { useImpression, useTrack } from '@trackpoint/react'

interface RecommendationCardProps {
  deliveryId: string
  contentType: string
  actionId: string
  title: string
  details: string
}

/**
 * One delivery in the recommendation slot: its impression (≥50 % visible for 1 s, once per
 * delivery), clicks, expand/collapse and the completion of its Action.
 */
export function RecommendationCard(props: RecommendationCardProps) {
  const { deliveryId: delivery_id, contentType: content_type, actionId } = props
  const { track } = useTrack()
  const impressionRef = useImpression({ delivery_id, content_type })
  const [expanded, setExpanded] = useState(false)
  const [done, setDone] = useState(false)
  return (
    <article className="card" data-testid={delivery_id} ref={impressionRef}>
      <h3>{props.title}</h3>
      {expanded && <p>{props.details}</p>}
      <div className="actions">
        <button
          type="button"
          onClick={() => track('recommend_click', { delivery_id, content_type })}
        >
          Try it
        </button>
        <button
          type="button"
          aria-expanded={expanded}
          onClick={() => {
            track('recommend_expand_collapse', {
              delivery_id,
              action: expanded ? 'collapse' : 'expand',
            })
            setExpanded(!expanded)
          }}
        >
          Details
        </button>
        <button
          type="button"
          disabled={done}
          onClick={() => {
            track('recommend_complete', { delivery_id, action_id: actionId })
            setDone(true)
          }}
        >
          Mark done
        </button>
      </div>
    </article>
  )
}
