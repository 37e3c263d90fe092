package demo

var OrgNamed = orgNamed
