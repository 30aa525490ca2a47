"""The Users API: operation functions (plain Python) over DynamoDB storage."""
