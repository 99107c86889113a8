import { createRoot } from 'react-dom/client';
import { App } from './app.js';
import './styles/base.css';
import './styles/views.css';
import './styles/team.css';

createRoot(document.getElementById('root')!).render(<App />);
