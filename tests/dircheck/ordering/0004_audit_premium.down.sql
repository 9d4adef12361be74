DELETE FROM audit WHERE note = 'premium';
