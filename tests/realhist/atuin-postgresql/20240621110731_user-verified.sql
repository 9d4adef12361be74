alter table users add verified_at timestamp with time zone default null;
