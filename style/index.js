import './base.css';
import './viewer.css';
import './navigation.css';
