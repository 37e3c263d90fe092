-- Every support wrote an entry in proposal_supports_user (user_id) that no
-- query reads: the reader's marks on a page and the proposal page look up
-- (proposal_id, user_id), the primary key. One index less to write per
-- support (decision 0024).
DROP INDEX proposal_supports_user;
