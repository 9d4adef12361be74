ALTER TABLE ciphers
ADD COLUMN reprompt INT4;
