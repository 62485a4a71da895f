"""The shared vocabulary of sohoa: pydantic models every other folder speaks."""
