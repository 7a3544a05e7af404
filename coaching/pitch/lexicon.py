"""Phrase families: hand-made lists of the ways people sell, and the ways they connect.

Each family is one feature of the fitted model (how often its phrases occur) and one reason
a member can read (prompts/pitch/reasons/<family>.j2). The model learns how much each family
counts from real text; these lists only say what belongs together. A phrase is matched as
whole words, case-insensitively, after the text is folded (curly quotes are straight).
Written by the team; no sentence here comes from the training texts.
"""

from __future__ import annotations

import re

FAMILIES: dict[str, str] = {
    # -- selling ------------------------------------------------------------------------------
    "offer": """
        i offer | we offer | i provide | we provide | my services | our services | services
        include | my service | i specialize | i specialise | we specialize | we specialise |
        specializing in | specialising in | i help | we help | helping businesses | helping
        companies | i can help you | we can help you | can help your | i can build | i can create
        | i can design | i can develop | we can build | let me help | for hire | hire me | available
        for | open for work | open to work | looking for work | looking for clients | new clients |
        looking for projects | looking for gigs | take on | freelance | freelancer | my rates |
        hourly rate | my rate | per hour | an hour | quote | pricing | price | prices | discount |
        packages | package | limited spots | spots left | only a few | special offer | promo |
        coupon | use code | my code | bargains | deal | deals | sale | on sale | enrolling |
        enrollment | now booking | booking now | accepting | waitlist | anyone need | anyone here
        need | anybody need | does anyone need | if anyone needs | if anybody needs | if you need
        | in need of | need a hand with | here is my | here's my | my portfolio | our portfolio
    """,
    "own_work": """
        our product | our products | our platform | our app | our tool | our solution | our
        software | our company | our agency | our startup | our service | our brand | our website
        | our site | our course | our program | our programme | my product | my products | my
        platform | my app | my tool | my course | my book | my ebook | my podcast | my newsletter |
        my channel | my blog | my business | my company | my agency | my website | my site | my
        shop | my store | my portfolio | my startup | my brand | my program | my programme | my
        coaching | my latest | my new | my version | my article | my video | my videos | my art |
        my designs | my products | my online | my clients | our clients | my customers | our
        customers | i sell | we sell | i run | we run | i work for | i represent | i am calling
        from | i'm calling from | we have developed | we have built | we built | we developed |
        we launched | we created | we've built | we've launched | we've created | i built | i
        developed | i launched | i created | i made | i have built | i've built | i've created |
        i've developed | i've made | i've launched | i've just | i just published | i published |
        just launched | just released | new release | i wrote | i've written | the company i |
        products i | check out my | check out our | take a look at my | have a look at my | a look
        at my
    """,
    "credentials": """
        years of experience | years experience | years in | experience in | experienced in |
        expert in | an expert | expertise in | proficient in | skilled in | my skills | my
        experience | my background | my expertise | certified | certification | degree in |
        graduated | graduate | bachelor's | bachelor | master's | masters | phd | i have worked |
        i've worked | worked with clients | track record | proven | award winning | award-winning
        | results driven | results-driven | highly motivated | self-motivated | self motivated |
        hard working | hardworking | team player | quick learner | fast learner | detail oriented
        | detail-oriented | resume | cv | linkedin profile | my profile
    """,
    "self_intro": """
        i am a | i'm a | i am an | i'm an | my name is | allow me to introduce | let me introduce
        | introduce myself | to introduce myself | i am the | i'm the | founder of | ceo of |
        owner of | i am currently | i'm currently
    """,
    "call_to_action": """
        check out | check it out | click | visit | dm me | message me | contact me | reach out |
        reach me | email me | hit me up | get in touch | let me know if you're interested | let
        me know if you are interested | if you're interested | if you are interested | if
        interested | learn more | find out more | more info | more information | link in bio |
        link below | see below | jump on a call | hop on a call | quick call | a quick chat |
        minute call | minutes of your time | <num> minutes | <num> mins | <num> min | free
        consultation | discovery call | schedule a call
        | book a call | book a | book your | schedule a | set up a call | demo | free trial | try it
        | give it a try | download | install | follow me | follow us | subscribe | sign up |
        signup | register | enroll | like and share | share this | don't miss | act now | today
        only | don't hesitate | do not hesitate | please visit | please contact | please check |
        please feel free to contact | feel free to contact | feel free to reach | star the repo
        | give it a star | upvote | walk you through | show you what | show you how | i can show
        you | i'd love to show you | love to show you | by the way my | btw my | by the way our |
        btw our | on another note
    """,
    "opportunity": """
        opportunity | opportunities | business opportunity | income | extra income | passive
        income | side hustle | work from home | from home | financial freedom | be your own boss |
        own boss | make money | residual | join my team | join our team | partnership | partner
        with | partners | collaboration | collaborate with | potential collaboration | proposal |
        propose | sponsor | sponsored | sponsorship | advertise | advertising | guest post | guest
        posts | guest article | backlink | backlinks | link exchange | seo | domain authority |
        paid post | paid posting | traffic | leads | revenue | roi | grow your business | scale
        your | boost your | increase your | exposure | promote | cross promotion | promote your |
        promote my | promote our | promotional | marketing | decision
        maker | interesting opportunity | reciprocate | i'd like to discuss | to discuss |
        discuss a
    """,
    "their_assets": """
        benefit | benefit you | benefit your | could benefit | would benefit | help your business
        | your business | your site | your blog | your readers | your audience | your website | your
        followers | your company | your brand | your team's | your clients | your customers |
        your sales | your traffic | your visibility | your project could | your list | post on
        your | write for | article on your | contribute to your | feature your | on your blog |
        on your site | to your list | to your website
    """,
    "hype": """
        amazing opportunity | exciting opportunity | game changer | game-changer | revolutionary |
        cutting edge | cutting-edge | state of the art | world class | world-class | best in class
        | industry leading | industry-leading | leading provider | one stop | all-in-one |
        seamless | innovative | exclusive | guaranteed | guarantee | no risk | risk free |
        risk-free | life changing | life-changing | skyrocket | 10x | unlock | transform your |
        secret | proven system | limited time | last chance | hurry
    """,
    # -- connecting -----------------------------------------------------------------------------
    "gratitude": """
        thank you | thanks | thank | grateful | gratitude | appreciate | appreciated | much
        appreciated | many thanks | big thanks | shout out | shoutout | kudos | thankful
    """,
    "warmth": """
        welcome | welcome to | glad you | glad to have | happy to have | great to have | congrats
        | congratulations | well done | proud of you | so happy for you | good luck | best of luck
        | hope you | hope your | hope this helps | hope that helps | take care | hugs | feel better
        | congratulations on | feel free | looking forward | miss you | we miss | so glad | so
        happy | lovely | wonderful | love this | love that | i love your | love your work |
        love how | you're doing
        great | you've got this | rooting for you | thinking of you | sending love | well deserved
    """,
    "curiosity": """
        how are you | how is | how's | how did you | how do you | how was | what do you | what are
        you | what's your | what is your | what got you | what brought you | what made you | what
        drew you | why did you | tell me about | tell me more | i'd love to hear | would love to
        hear | love to hear | curious | i wonder | wondering | what about you | and you | how
        about you | anyone else | does anyone | has anyone | is anyone | who else | any tips |
        any advice | any recommendations | any suggestions | what would you | what do you think
        | your thoughts | thoughts on | your experience | your story | what you're working on |
        what are you working on | how you got | how you started | would you share | can you
        share | i'd love to learn | love to learn from
    """,
    "giving": """
        happy to help | glad to help | how can i help | can i help | let me know if i can help |
        if i can help | let me know how i can | i'd be happy to | i would be happy to | i'd be
        glad | i can introduce | introduce you | want me to introduce | i know someone | i know a
        great | you should meet | you two should | connect you with | put you in touch |
        recommend her | recommend him | recommend them | highly recommend | refer you | referral
        for | for free | no charge | pay it forward | here to help | offer to help | volunteer |
        mentor | support you | support each other | cheerleader | happy to share | glad to share
        | i can share | you might like | you might enjoy | might be useful | in case it helps | if
        it helps | hope it helps
    """,
    "personal": """
        my kids | my son | my daughter | my husband | my wife | my partner | my family | my mom |
        my mum | my dad | my mother | my father | my sister | my brother | my dog | my cat | my
        garden | hobby | hobbies | i love to | i enjoy | in my free time | in my spare time |
        outside of work | on weekends | weekend | hiking | reading | cooking | baking | traveling
        | travelling | yoga | running | music | painting | gardening | knitting | books | novel |
        nervous | excited | scared | honestly | to be honest | i feel | i felt | i'm new | i am
        new | new here | first time | just joined | recently joined | lurker | lurking | fun fact
        | i live in | based in | moved to | grew up
    """,
    "invitation": """
        grab coffee | grab a coffee | coffee sometime | get coffee | a coffee | meet up | catch up
        | get together | grab lunch | lunch sometime | would you like to | would you be up for |
        up for a | let's chat | let's connect | let's meet | love to connect | love to meet | love
        to chat | happy to chat | keep in touch | stay in touch | see you | see you there | join
        us | come along | come join | say hi | say hello | hang out | swap notes | compare notes
    """,
    "met_before": """
        great to meet | nice to meet | lovely to meet | good to meet | great meeting | nice meeting
        | lovely meeting | good to see you | great to see you | following up | follow up on | as
        promised | after our | since our | we met | when we met | at the meetup | at the event |
        our chat | our conversation | our call | enjoyed talking | enjoyed our | enjoyed meeting |
        you mentioned
    """,
    "help_request": """
        looking for a | looking for an | looking for someone | looking for recommendations | can
        anyone recommend | could anyone recommend | can someone recommend | does anyone know |
        anyone know | need help | need some help | need advice | could use some | help me | any
        help | i'm stuck | i am stuck | not sure how | not sure what | i have a question | quick
        question | question for | is there anyone | recommendations for | recommend a | know a
        good | point me | where can i find | who do you use | does anyone have | anyone have
        experience | has anyone had | any experience with | how do you all | how do you handle |
        how do you deal | what would you do | any ideas
    """,
    "hard_moment": """
        going through | hard time | tough time | difficult time | rough time | rough patch |
        tough week | hard week | passed away | lost my | lost our | grief | grieving | divorce |
        separation | diagnosed | diagnosis | laid off | lost her job | lost his job | lost my job |
        struggling | overwhelmed | burnt out | burned out | burnout | heartbroken | miscarriage |
        illness | hospital | funeral | anxious | anxiety | exhausted | i'm scared | i am scared
        | rough week | rough month | rough day | hard month | hard day | tough month | tough day |
        fell through | falling apart | lost everything | not sure what's next | don't know what
        to do | at my wits end | at my wit's end
    """,
}

SELLING = frozenset(
    {
        "offer",
        "own_work",
        "credentials",
        "self_intro",
        "call_to_action",
        "opportunity",
        "their_assets",
        "hype",
    }
)

_TOKEN = re.compile(r"<num>|[^\W_]+(?:'[^\W_]+)*")  # "<num>" stands for any number


Longer = dict[str, tuple[tuple[int, dict[tuple[str, ...], tuple[str, ...]]], ...]]


def phrase_table() -> tuple[dict[str, tuple[str, ...]], Longer]:
    """The phrases as two lookups. Phrases of one or two words are words and word pairs the
    reader already has: {"word" or "first second": families}. Longer ones are found by
    their first two words: {"first second": ((n, {the n words after them: families}), ...)},
    so each place is checked with one slice and one lookup per length."""
    short: dict[str, tuple[str, ...]] = {}
    by_length: dict[str, dict[int, dict[tuple[str, ...], tuple[str, ...]]]] = {}
    for family, phrases in FAMILIES.items():
        for phrase in phrases.split("|"):
            words = tuple(_TOKEN.findall(phrase.lower()))
            if not words:
                continue
            if len(words) <= 2:
                term = " ".join(words)
                if family not in short.get(term, ()):
                    short[term] = (*short.get(term, ()), family)
            else:
                pair, rest = f"{words[0]} {words[1]}", words[2:]
                table = by_length.setdefault(pair, {}).setdefault(len(rest), {})
                if family not in table.get(rest, ()):
                    table[rest] = (*table.get(rest, ()), family)
    longer: Longer = {pair: tuple(sorted(sizes.items())) for pair, sizes in by_length.items()}
    return short, longer
