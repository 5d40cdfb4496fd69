"""The feedback dashboard's figures: NPS and its margin of error, rates, topics, cases."""
