"""The book of business: securities, prices, models, clients, accounts, positions, lots."""
