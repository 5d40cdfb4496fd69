"""The built-in comment analyser (language, sentiment, topics) and the seam for another."""
