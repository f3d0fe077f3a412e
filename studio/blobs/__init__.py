"""Binary asset storage behind one small interface: a local folder and S3."""
