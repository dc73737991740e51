"""The people who log in: their accounts, sessions, passwords, login codes, lockouts and second factors."""
