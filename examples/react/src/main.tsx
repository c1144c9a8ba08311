import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { TrackProvider } from '@trackpoint/react'
import { App } from './App'
import { trackerOptions } from '../../shared/trackerOptions'
import '../../shared/onchain.css'

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <TrackProvider options={trackerOptions}>
      <App />
    </TrackProvider>
  </StrictMode>,
)
