"""A user's saved model end to end: its file read as data (files, config), the case
that names each recurrent layer (nominal), the probe batch, the check, its records
per environment and advise. Running it in Keras is keras/model.py."""
