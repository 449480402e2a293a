"""Citizens: who they are (as ciphertext only), who read their data, what they mandated."""
