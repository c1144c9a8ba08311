import { useTrack } from '@trackpoint/react'

const targets = ['home', 'actions', 'rewards', 'profile']

export function Navbar() {
  const { track } = useTrack()
  return (
    <nav aria-label="Onchain">
      <strong>Onchain</strong>
      {targets.map((target) => (
        <button key={target} type="button" onClick={() => track('navbar_click', { target })}>
          {target[0]?.toUpperCase() + target.slice(1)}
        </button>
      ))}
    </nav>
  )
}
