"""Payment gateway and billers: signed callbacks, and the simulated partners' servers."""
