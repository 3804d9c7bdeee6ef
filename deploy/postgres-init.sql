-- The two databases of the production profile (docker-compose.yml): conversations
-- (Rasa's SQL tracker store creates its table) and the clinic records (Alembic).
CREATE DATABASE botox_tracker;
CREATE DATABASE botox_clinic;
