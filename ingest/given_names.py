"""Common given names from many languages, lower-cased.

Used only to tell a person that spaCy's small model mislabelled as an organisation
("Priya Raman" -> ORG) from a product or company name ("Google Workspace" -> ORG).
"""

from __future__ import annotations

GIVEN_NAMES = frozenset(
    """
    aaron abdul abdullah abigail adam adebayo adriana adrian ahmed aisha akira alan albert alejandro
    alex alexander alexandra alexei ali alice alicia amara amanda amelia amina amir amit ana anahita
    andrea andreas andrew andrzej angela angelo anil anita ankit anna anne anthony antonio anya arjun
    arthur ayesha barbara beatriz ben benjamin bernard beth bianca bilal bob brian bruno camila
    carl carla carlos carmen caroline catherine charles charlotte chen chiara chidi chinedu chloe chris
    christian christina christopher claire clara daniel daniela david deborah deepak dennis diana diego
    dmitri dominic donald dorothy edward elena elif elizabeth ella emily emma eric erik ethan eva fatima
    felipe fernando fiona francesca francisco frank fredrik gabriel gabriela gareth george giulia
    giuseppe grace greg hannah hans harper harry hassan heather helen henrik henry hiroshi hugo ian
    ibrahim igor ingrid irene isaac isabel isabella ivan jack jacob james jamal jan jane janet jasmine
    jason javier jennifer jessica jin joan joao joe johan johannes john jonathan jorge jose joseph joshua
    juan julia julian julie jun karen karim katarina kate katherine kenji kevin khalid kim kofi kwame
    lars laura lauren lea leila leon leonardo li liam lily linda lisa lucas lucia luis luka lukas
    magdalena mahmoud maria mariam marie mario mark marta martin mary mateo matteo matthew maya mehmet
    mei melissa mia michael michelle miguel mikhail ming mohamed mohammed monica mustafa nadia naomi
    natalia nathan nicholas nicole nikolai nina noah nora olga olivia olumide omar oscar pablo patricia
    patrick paul paula pedro peter philip pierre pooja priya rachel rahul raj rajesh ravi rebecca
    ricardo richard robert roberto rosa ryan sakura samuel sandra sanjay sara sarah sean sebastian
    sergei sofia sophie stefan stephanie steven sunil susan takeshi tanya thomas tim timothy tom tomas
    valentina vanessa victor victoria vikram vincent walter wei william xavier yan yasmin yuki yusuf
    zainab zara zhang zoe
    """.split()
)
